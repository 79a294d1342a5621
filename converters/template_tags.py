"""Template tags in Markdown bodies → the Markdown they stand for: Hexo's tag plugins and its themes' most
used ones (NexT, Butterfly, Fluid), Jekyll's Liquid tags, Hugo's shortcodes.

Code becomes fenced code (``codeblock``, ``highlight``, ``mermaid``), notes and quotes block quotes, labels
emphasis, tabs headed sections, embeds (``youtube``, ``gist``, ``tweet``…) links with their title, and
links between posts (``post_link``, ``post_url``, ``ref``) relative links to the post's file, titled as
the target post when the tag gives no title. Tags inside code (fences and code spans) are code. Anything
else stays as the author wrote it, reported once per tag name with its first line.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from .site import Site, site_of_file

_FENCE = re.compile(r"^([ ]{0,3})(`{3,}|~{3,})")
# Every pattern here runs over post text, so each is linear: no tag's arguments span a line, and no
# search runs past the next ``{%`` (an unclosed tag must cost its own line, not the rest of the post).
_TAG_ARGS = r"((?:[^\n%{]|%(?!\})|\{(?!%))*)"  # (a tag's arguments: up to its %}, never past a line or a {%)
_LIQUID = re.compile(rf"\{{%-?[ \t]*([A-Za-z_][\w-]*){_TAG_ARGS}%\}}")
_SHORTCODE_ARGS = r"((?:[^\n<>%{}]|[<>%](?!\}\})|\{(?!\{))*?)"
_SHORTCODE = re.compile(rf"\{{\{{([<%])[ \t]*(/?)[ \t]*([A-Za-z_][\w./-]*){_SHORTCODE_ARGS}[ \t]*[>%]\}}\}}")
_ESCAPED_SHORTCODE = re.compile(r"\{\{([<%])/\*[ \t]*((?:[^*\n]|\*(?!/))*?)[ \t]*\*/([>%])\}\}")
_RAW = re.compile(r"\{%-?[ \t]*(?:end)?raw[ \t]*-?%\}")
_CODE_SPAN = re.compile(r"(`+)(?:[^`\n]|(?!\1)`)+?\1")
_ANY_TAG = re.compile(
    r"\{%(?:[^%{]|%(?!\})|\{(?!%))*%\}|\{\{[<%](?:[^%>{}]|[%>](?!\}\})|\}(?!\})|\{(?!\{))*[%>]\}\}"
)
_TAG_NAME = re.compile(r"\{[{%][<%]?-?\s*/?\s*(?:end)?([\w-]*)")
_HOLD = "\ufdd0{}\ufdd1"  # (noncharacters: sanitised out of every post, so never in the text)
_HELD = re.compile("\ufdd0(\\d+)\ufdd1")


@dataclass
class _Post:
    """What resolving one post's tags needs to know of it, and what it found."""

    path: str
    site: Site | None
    unknown: dict[str, int] = field(default_factory=dict)  # a tag name → the first line it is on

    @property
    def liquid(self) -> bool:
        """Whether ``{% %}`` tags are tags (Hexo's, Jekyll's, an archive's), not text (Hugo reads none)."""
        return self.site is None or self.site.generator != "hugo"

    @property
    def asset_dir(self) -> str:
        return PurePosixPath(self.path.replace("\\", "/")).stem


def resolve_tags(markdown: str, post_path: str) -> tuple[str, list[tuple[str, int]]]:
    """Resolve template tags outside code; return the Markdown and a warning for each tag name kept as
    text (with the line of its first use in the body, from 1)."""
    post = _Post(post_path, site_of_file(post_path))
    if post.liquid:
        markdown = _RAW.sub("", markdown)  # Liquid removes raw/endraw even inside fences
    assets = post.site is not None and post.site.post_asset_folder and "](" in markdown
    if "{%" not in markdown and "{{" not in markdown and not assets:
        return markdown, []
    out = []
    line = 1
    for text, is_code in split_fences(markdown):
        if not is_code:
            out.append(_resolve_text(text, post, line, assets))
        else:  # (Hugo reads shortcodes before Markdown: an escaped one prints even in code)
            out.append(_unescape_shortcodes(text) if "{{" in text else text)
        line += text.count("\n")
    return "".join(out), [(_kept(name), first) for name, first in post.unknown.items()]


_HTML_CODE = re.compile(r"<(pre|code)\b[^>]*>.*?</\1\s*>", re.S | re.I)


def tags_in_html(html: str, post_path: str) -> list[tuple[str, int]]:
    """The template tags an HTML body of a site's post holds outside code, each name once with its first
    line: they are kept as text (rendering them is done for Markdown bodies), and said so."""
    if "{%" not in html and "{{" not in html:
        return []
    post = _Post(post_path, site_of_file(post_path))
    if post.site is None:
        return []
    code_free = _HTML_CODE.sub(lambda m: "\n" * m.group(0).count("\n"), html)
    _note_unknown(code_free, post, 1, left=True)
    return [(_kept(name), first) for name, first in post.unknown.items()]


_BARE_TARGET = re.compile(r"(!?\[[^\]\n]*\]\()([^)\s/\\:#?]+)((?:[ \t]+\"[^\"\n]*\")?\))")


def _in_asset_folder(text: str, post: _Post) -> str:
    """Hexo's ``post_asset_folder``: a post is published at its asset folder, so an image or link named
    by a bare file name (``![1](2.gif)``) is that folder's file. Rewritten so when the file is there."""
    folder = os.path.join(os.path.dirname(post.path), post.asset_dir)

    def resolve(m: re.Match[str]) -> str:
        if not os.path.isfile(os.path.join(folder, m.group(2))):
            return m.group(0)
        return f"{m.group(1)}{_md_url(post.asset_dir)}/{m.group(2)}{m.group(3)}"

    return _BARE_TARGET.sub(resolve, text)


def _kept(name: str) -> str:
    """The warning for a tag name kept as text (a shortcode's name comes with a leading ``<``)."""
    if name.startswith("<"):
        return f"shortcode kept as text: {{{{< {name[1:]} >}}}}"
    return f"template tag kept as text: {{% {name} %}}"


def _resolve_text(text: str, post: _Post, first_line: int, assets: bool = False) -> str:
    spans: list[str] = []

    def hold(m: re.Match[str]) -> str:
        spans.append(m.group(0))
        return _HOLD.format(len(spans) - 1)

    held = _CODE_SPAN.sub(hold, text) if "`" in text else text  # (Hexo 5: a tag in `code` is code)
    if assets:
        held = _in_asset_folder(held, post)
    _note_unknown(held, post, first_line)
    held = _resolve_blocks(held, post)
    if post.liquid:
        held = _LIQUID.sub(lambda m: _inline(m, post, first_line), held)
    if "{{" in held:
        held = _SHORTCODE.sub(lambda m: _shortcode(m, post, first_line), held)
    if "{{" in held or ("{%" in held and post.liquid):  # (a known tag left: over lines, round a fence)
        _note_unknown(held, post, first_line, left=True)
    if "{{" in held:
        held = _unescape_shortcodes(held)
    return _HELD.sub(lambda m: spans[int(m.group(1))], held) if spans else held


def _unescape_shortcodes(text: str) -> str:
    """Hugo's ``{{</* name */>}}``, written to show a shortcode, printed as ``{{< name >}}``."""
    return _ESCAPED_SHORTCODE.sub(
        lambda m: "{{" + m.group(1) + " " + m.group(2) + " " + m.group(3) + "}}", text
    )


def _note_unknown(text: str, post: _Post, first_line: int, left: bool = False) -> None:
    """Note each tag name postshelf does not render, at its first line. With ``left``, in text already
    resolved: every tag still there, known or not, is kept as text (its line then is near, not exact)."""
    for tag in _ANY_TAG.finditer(text):  # (looked for in the text as written, for its line)
        m = _TAG_NAME.match(tag.group(0))
        if m is None:
            continue
        name = m.group(1)
        shortcode = tag.group(0).startswith("{{")
        if not shortcode and not post.liquid:
            continue  # (text to its site's generator)
        known = _SHORTCODES if shortcode else _KNOWN_LIQUID
        if shortcode and tag.group(0)[3:4] == "/" and tag.group(0)[4:5] == "*":
            continue  # (an escaped shortcode, shown as written on purpose)
        if name in known and not left:
            continue
        key = ("<" + name) if shortcode else name
        post.unknown.setdefault(key, first_line + text.count("\n", 0, tag.start()))


def split_fences(markdown: str) -> list[tuple[str, bool]]:
    """Cut Markdown into (text, inside a fenced code block) runs, keeping every character."""
    chunks: list[tuple[str, bool]] = []
    buf: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            chunks.append(("".join(buf), False))
            buf, fence = [line], m.group(2)
        elif fence is not None and m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence):
            buf.append(line)
            chunks.append(("".join(buf), True))
            buf, fence = [], None
        else:
            buf.append(line)
    chunks.append(("".join(buf), fence is not None))
    return [c for c in chunks if c[0]]


# --- arguments -------------------------------------------------------------------------------------------


def _args(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _tag_args(text: str) -> str:
    """A tag's arguments as matched (up to its ``%}``), without the blanks and the ``-`` of ``-%}``."""
    text = text.strip()
    return text[:-1].rstrip() if text.endswith("-") else text


_KEY_VALUE = re.compile(r"""([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))|"([^"]*)"|'([^']*)'|(\S+)""")


def _shortcode_args(text: str) -> tuple[list[str], dict[str, str]]:
    """Hugo's arguments: positional, or ``name="value"``."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for m in _KEY_VALUE.finditer(text):
        if m.group(1):
            named[m.group(1)] = next(g for g in m.group(2, 3, 4) if g is not None)
        else:
            positional.append(next(g for g in m.group(5, 6, 7) if g is not None))
    return positional, named


def _md_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _link(text: str, url: str) -> str:
    return f"[{_md_text(text or url)}]({_md_url(url)})"


def _fence(body: str, lang: str | None) -> str:
    from .markdown_prepare import code_fence  # (here: the reader imports this module at start-up)

    return code_fence(body.strip("\n"), lang) + "\n"


def _quote(body: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in body.strip("\n").split("\n")) + "\n"


# --- block tags ------------------------------------------------------------------------------------------

_BLOCKS = ("codeblock", "code", "highlight", "blockquote", "quote", "note", "tabs", "mermaid", "plantuml",
           "folding", "hideToggle", "details", "spoiler", "alert", "callout", "admonition")  # fmt: skip
_BLOCK_OPEN = re.compile(rf"\{{%-?[ \t]*({'|'.join(_BLOCKS)})\b{_TAG_ARGS}%\}}\n?")
_BLOCK_END = {name: re.compile(rf"\{{%-?[ \t]*end{name}[ \t]*-?%\}}\n?") for name in _BLOCKS}
_SHORTCODE_BLOCKS = ("highlight", "notice", "admonition", "alert", "callout", "details", "tabs", "tab",
                     "mermaid", "hint", "note", "warning", "tip", "info")  # fmt: skip
_SHORTCODE_OPEN = re.compile(
    rf"\{{\{{([<%])[ \t]*({'|'.join(_SHORTCODE_BLOCKS)})\b{_SHORTCODE_ARGS}[ \t]*[>%]\}}\}}\n?"
)
_SHORTCODE_END = {
    name: re.compile(rf"\{{\{{[<%][ \t]*/[ \t]*{name}[ \t]*[>%]\}}\}}\n?") for name in _SHORTCODE_BLOCKS
}
_TAB = re.compile(r"<!--\s*tab\b\s*(.*?)\s*-->\n?(.*?)<!--\s*endtab\s*-->\n?", re.S)


def _resolve_blocks(text: str, post: _Post) -> str:
    """Block tags (``{% name %}`` … ``{% endname %}``, ``{{< name >}}`` … ``{{< /name >}}``) replaced by
    what they mean. Once a tag name has no end tag after some point, later openings of it are not searched
    again: an unclosed tag costs one search, not one per opening."""
    for opener, ends, liquid in ((_BLOCK_OPEN, _BLOCK_END, True), (_SHORTCODE_OPEN, _SHORTCODE_END, False)):
        if ("{%" if liquid else "{{") not in text or (liquid and not post.liquid):
            continue
        out: list[str] = []
        pos = 0
        unclosed: set[str] = set()
        for opening in opener.finditer(text):
            name = opening.group(1) if liquid else opening.group(2)
            if opening.start() < pos or name in unclosed:
                continue
            end = ends[name].search(text, opening.end())
            if end is None:
                unclosed.add(name)
                continue
            args = _tag_args(opening.group(2)) if liquid else opening.group(3).strip()
            body = text[opening.end() : end.start()]
            block = _liquid_block(name, args, body) if liquid else _shortcode_block(name, args, body)
            out.append(text[pos : opening.start()])
            out.append(_resolve_blocks(block, post) if not block.startswith(("```", "~~~")) else block)
            pos = end.end()
        out.append(text[pos:])
        text = "".join(out)
    return text


def _liquid_block(name: str, arg_text: str, body: str) -> str:
    args = _args(arg_text)
    if name in ("codeblock", "code"):
        lang = next((a[5:] for a in args if a.startswith("lang:")), None)
        return _fence(body, lang)
    if name == "highlight":  # Jekyll: {% highlight ruby linenos %}
        return _fence(body, args[0] if args else None)
    if name in ("mermaid", "plantuml"):
        return _fence(body, name)
    if name in ("blockquote", "quote"):
        quoted = _quote(body)
        author = " ".join(a for a in args if not a.startswith(("http://", "https://")))
        return quoted + (">\n> — " + author + "\n" if author else "")
    if name == "tabs":  # NexT/Butterfly: <!-- tab Title --> … <!-- endtab -->
        sections = [f"**{title or 'Tab'}**\n\n{content.strip()}\n" for title, content in _TAB.findall(body)]
        return "\n".join(sections) if sections else body
    # note, folding, details, alert…: a quote, headed by its title when it has one
    title = " ".join(a for a in args if a not in _NOTE_STYLES and "@" not in a and a != "no-icon")
    if name in ("folding", "hideToggle", "details", "spoiler") and arg_text and "," in arg_text:
        title = arg_text.split(",", 1)[-1].strip()
    head = f"**{_md_text(title)}**\n\n" if title else ""
    return _quote(head + body.strip("\n")) + "\n"


_NOTE_STYLES = {"default", "primary", "success", "info", "warning", "danger", "flat", "simple", "modern",
                "disabled", "blue", "pink", "red", "purple", "orange", "green", "note", "tip", "important",
                "caution", "error", "question", "light"}  # fmt: skip


def _shortcode_block(name: str, arg_text: str, body: str) -> str:
    positional, named = _shortcode_args(arg_text)
    if name == "highlight":
        return _fence(body, positional[0] if positional else None)
    if name == "mermaid":
        return _fence(body, "mermaid")
    if name in ("tabs",):
        return body.strip("\n") + "\n"
    if name == "tab":
        title = named.get("name") or named.get("title") or (positional[0] if positional else "")
        return (f"**{_md_text(title)}**\n\n" if title else "") + body.strip("\n") + "\n"
    title = named.get("title") or next((p for p in positional if p not in _NOTE_STYLES), "")
    head = f"**{_md_text(title)}**\n\n" if title else ""
    return _quote(head + body.strip("\n")) + "\n"


# --- inline tags ---------------------------------------------------------------------------------------------


def _inline(m: re.Match[str], post: _Post, first_line: int) -> str:
    name, arg_text = m.group(1), _tag_args(m.group(2))
    handler = _LIQUID_INLINE.get(name)
    if handler is None:
        return m.group(0)
    made = handler(arg_text, post)
    if made is None:  # (a known tag that cannot be resolved: a link to a post that is not there)
        post.unknown.setdefault(name, first_line + m.string.count("\n", 0, m.start()))
        return m.group(0)
    return made


def _asset_img(arg_text: str, post: _Post) -> str | None:
    """``{% asset_img [class] slug [width] [height] [title [alt]] %}``, as Hexo's img tag splits it: a
    title and an alt each quoted within the rest (``'"title" "alt"'``), else the rest is the title."""
    args = _args(arg_text)
    if args and not re.search(r"\.\w{2,5}$", args[0]) and len(args) > 1:
        args = args[1:]  # a leading CSS class
    if not args:
        return ""
    src, rest = args[0], args[1:]
    while rest and rest[0].isdigit():
        rest = rest[1:]  # width, height
    meta = " ".join(rest)
    m = re.match(r"""["']?([^"']+)?["']?\s*["']?([^"']+)?["']?""", meta)
    title = (m.group(1) or "").strip() if m else ""
    alt = ((m.group(2) or "").strip() if m else "") or title
    path = src if "/" in src or src.startswith(("http://", "https://")) else f"{post.asset_dir}/{src}"
    titled = f' "{title}"' if title and title != alt and '"' not in title else ""
    return f"![{_md_text(alt)}]({_md_url(path)}{titled})"


def _asset_path(arg_text: str, post: _Post) -> str | None:
    args = _args(arg_text)
    return _md_url(f"{post.asset_dir}/{args[0]}") if args else ""


def _asset_link(arg_text: str, post: _Post) -> str | None:
    args = _args(arg_text)
    if not args:
        return ""
    title = " ".join(a for a in args[1:] if a not in ("true", "false"))
    return _link(title or args[0], f"{post.asset_dir}/{args[0]}")


def _post_link(arg_text: str, post: _Post) -> str | None:
    """``{% post_link slug [title] [escape] %}``: a link to that post, titled as it is when no title is
    given."""
    args = _args(arg_text)
    if not args:
        return None
    target = _find_post(post, args[0])
    title = " ".join(a for a in args[1:] if a not in ("true", "false"))
    if target is None:
        return None
    return _link(title or _title_of(target), _relative(post.path, target))


def _post_path(arg_text: str, post: _Post) -> str | None:
    args = _args(arg_text)
    target = _find_post(post, args[0]) if args else None
    return None if target is None else _md_url(_relative(post.path, target))


def _post_url(arg_text: str, post: _Post) -> str | None:
    """Jekyll's ``{% post_url 2010-07-21-name %}``: the URL of that post (here its file, relative)."""
    return _post_path(arg_text, post)


def _jekyll_link(arg_text: str, post: _Post) -> str | None:
    """Jekyll's ``{% link _posts/2016-07-26-name.md %}``: a file of the site, by its path from the root."""
    args = _args(arg_text)
    if not args or post.site is None:
        return None
    target = os.path.join(post.site.root, args[0].lstrip("/"))
    return _md_url(_relative(post.path, target)) if os.path.exists(target) else None


def _gist(arg_text: str, post: _Post) -> str | None:
    args = _args(arg_text)
    return _link(f"Gist {args[0]}", f"https://gist.github.com/{args[0]}") if args else None


def _label(arg_text: str, post: _Post) -> str | None:
    """NexT's ``{% label primary@text %}``: the text, emphasised."""
    text = arg_text.split("@", 1)[-1].strip()
    return f"*{_md_text(text)}*" if text else ""


def _button(arg_text: str, post: _Post) -> str | None:
    """NexT's ``{% button url, text, icon %}`` (Butterfly's ``{% btn %}`` alike): a link."""
    parts = [p.strip() for p in arg_text.split(",")]
    url = parts[0] if parts and parts[0] else ""
    text = parts[1] if len(parts) > 1 and parts[1] else url
    return _link(text, url) if url else None


def _video(site_url: str, label: str) -> Callable[[str, _Post], str | None]:
    def link(arg_text: str, post: _Post) -> str | None:
        args = _args(arg_text)
        return _link(f"{label} video", site_url + args[0]) if args else None

    return link


_LIQUID_INLINE: dict[str, Callable[[str, _Post], str | None]] = {
    "asset_img": _asset_img, "asset_image": _asset_img, "asset_path": _asset_path, "asset_link": _asset_link,
    "post_link": _post_link, "post_path": _post_path, "post_url": _post_url, "link": _jekyll_link,
    "gist": _gist, "label": _label, "button": _button, "btn": _button,
    "youtube": _video("https://www.youtube.com/watch?v=", "YouTube"),
    "vimeo": _video("https://vimeo.com/", "Vimeo"),
}  # fmt: skip
_KNOWN_LIQUID = {*_LIQUID_INLINE, *_BLOCKS, *(f"end{name}" for name in _BLOCKS), "raw", "endraw"}


# --- Hugo shortcodes ------------------------------------------------------------------------------------------


def _shortcode(m: re.Match[str], post: _Post, first_line: int) -> str:
    closing, name, arg_text = m.group(2), m.group(3), m.group(4)
    handler = _SHORTCODE_INLINE.get(name)
    if closing or handler is None:
        return m.group(0)
    positional, named = _shortcode_args(arg_text)
    made = handler(positional, named, post)
    if made is None:
        post.unknown.setdefault("<" + name, first_line + m.string.count("\n", 0, m.start()))
        return m.group(0)
    return made


def _ref(positional: list[str], named: dict[str, str], post: _Post) -> str | None:
    """``{{< ref "path" >}}`` and ``relref``: the page's file, relative (the link's text is the author's)."""
    target = named.get("path") or (positional[0] if positional else "")
    if not target:
        return None
    path, _, anchor = target.partition("#")
    found = _find_hugo_page(post, path) if path else post.path
    if found is None:
        return None
    return _md_url(_relative(post.path, found)) + (f"#{anchor}" if anchor else "")


def _figure(positional: list[str], named: dict[str, str], post: _Post) -> str | None:
    src = named.get("src") or (positional[0] if positional else "")
    if not src:
        return None
    title = named.get("title", "")
    caption = named.get("caption", "")
    alt = named.get("alt") or title or caption
    image = f"![{_md_text(alt)}]({_md_url(src)})"
    if named.get("link"):
        image = f"[{image}]({_md_url(named['link'])})"
    words = " — ".join(w for w in (title, caption) if w and w != alt) or (caption if caption != alt else "")
    return image + (f"\n\n*{_md_text(words)}*" if words else "")


def _hugo_youtube(positional: list[str], named: dict[str, str], post: _Post) -> str | None:
    video = named.get("id") or (positional[0] if positional else "")
    title = named.get("title") or "YouTube video"
    return _link(title, f"https://www.youtube.com/watch?v={video}") if video else None


def _hugo_vimeo(positional: list[str], named: dict[str, str], post: _Post) -> str | None:
    video = named.get("id") or (positional[0] if positional else "")
    title = named.get("title") or "Vimeo video"
    return _link(title, f"https://vimeo.com/{video}") if video else None


def _hugo_gist(positional: list[str], named: dict[str, str], post: _Post) -> str | None:
    if len(positional) < 2:
        return None
    user, gist = positional[0], positional[1]
    return _link(f"Gist {user}/{gist}", f"https://gist.github.com/{user}/{gist}")


def _tweet(positional: list[str], named: dict[str, str], post: _Post) -> str | None:
    user = named.get("user") or (positional[0] if len(positional) > 1 else "")
    tweet = named.get("id") or (positional[-1] if positional else "")
    if not tweet:
        return None
    return _link(
        f"Post by @{user}" if user else "Post on X", f"https://x.com/{user or 'i/web'}/status/{tweet}"
    )


def _instagram(positional: list[str], named: dict[str, str], post: _Post) -> str | None:
    shot = named.get("id") or (positional[0] if positional else "")
    return _link("Instagram post", f"https://www.instagram.com/p/{shot}/") if shot else None


_SHORTCODE_INLINE: dict[str, Callable[[list[str], dict[str, str], _Post], str | None]] = {
    "ref": _ref, "relref": _ref, "figure": _figure, "youtube": _hugo_youtube, "vimeo": _hugo_vimeo,
    "gist": _hugo_gist, "tweet": _tweet, "x": _tweet, "twitter": _tweet, "instagram": _instagram,
}  # fmt: skip
_SHORTCODES = {*_SHORTCODE_INLINE, *_SHORTCODE_BLOCKS}


# --- links between posts --------------------------------------------------------------------------------------


def _relative(from_post: str, target: str) -> str:
    """``target``'s path from the folder of ``from_post``, with forward slashes."""
    start = os.path.dirname(os.path.abspath(from_post))
    return os.path.relpath(os.path.abspath(target), start).replace(os.sep, "/")


_DATED = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")


def _find_post(post: _Post, slug: str) -> str | None:
    """The post a Hexo ``post_link`` or Jekyll ``post_url`` names: by its file name (without the
    extension, or the date Jekyll's names and Hexo's ``new_post_name`` open with) or its path in the
    posts folder. Among the posts of its site, else beside it."""
    slug = slug.strip().strip("/")
    folders = post.site.content + post.site.drafts if post.site else (os.path.dirname(post.path) or ".",)
    index = _post_index(tuple(os.path.abspath(f) for f in folders))
    key = PurePosixPath(slug.replace("\\", "/"))
    stem = key.with_suffix("").as_posix() if key.suffix in (".md", ".markdown", ".html") else key.as_posix()
    return index.get(stem) or index.get(_DATED.sub("", stem.rsplit("/", 1)[-1]))


@lru_cache(maxsize=16)
def _post_index(folders: tuple[str, ...]) -> dict[str, str]:
    """Every post file of ``folders`` by the names a link may give it: its path from the folder without
    the extension, its name without it, and that name without a leading date."""
    index: dict[str, str] = {}
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                stem, ext = os.path.splitext(name)
                if ext.lower() not in (".md", ".markdown", ".html", ".htm"):
                    continue
                path = os.path.join(root, name)
                relative = os.path.relpath(os.path.join(root, stem), folder).replace(os.sep, "/")
                for key in (relative, stem, _DATED.sub("", stem)):
                    index.setdefault(key, path)
    return index


def _find_hugo_page(post: _Post, ref: str) -> str | None:
    """A Hugo ``ref``: a path from the content folder (``/posts/x``), or from the page's own folder, with
    or without ``.md``, a bundle's folder standing for its ``index.md``."""
    bases = [os.path.dirname(post.path) or "."]
    if post.site is not None:
        bases.insert(0 if ref.startswith("/") else 1, post.site.content[0])
    for base in bases:
        path = os.path.join(base, ref.lstrip("/"))
        for candidate in (
            path,
            path + ".md",
            os.path.join(path, "index.md"),
            os.path.join(path, "_index.md"),
        ):
            if os.path.isfile(candidate):
                return candidate
    return None


@lru_cache(maxsize=4096)
def _title_of(path: str) -> str:
    from .reading import read_head

    try:
        return read_head(path, None).title
    except Exception:  # (an unreadable target: its file name is its title)
        return PurePosixPath(path).stem
