"""Write a synthetic library shaped like the customer's archive: Hexo front matter, RFC 2822 / naive /
broken dates, three-level categories, ~8 KB bodies of scraped HTML with lazy images, proxies and chrome.

    python benchmarks/generate.py 10000 benchmarks/data/lib-10k
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

SOURCES = [
    ("新媒体", "趣头条", "分类"), ("新媒体", "ZAKER", "channel"), ("新媒体", "cnBeta", "最新"),
    ("编程", "开源中国", "资讯"), ("编程", "掘金", "分类"), ("编程", "Dockone", "周报"),
    ("游戏", "3DMGame", "新闻中心"), ("社交媒体", "简书", "首页"), ("博客", "美团技术团队", "最近更新"),
]  # fmt: skip
WORDS = ["城市", "发展", "技术", "用户", "数据", "平台", "系统", "市场", "服务", "产品",
         "研究", "团队", "社区", "开源", "版本", "性能", "安全", "网络", "模型", "应用"]  # fmt: skip


def sentence(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))) + rng.choice("。！？；")


def body(rng: random.Random, n: int, target: int) -> str:
    parts = ["<div>   "]
    size = 0
    while size < target:
        kind = rng.random()
        if kind < 0.08:
            parts.append(
                f'<p><img class="lazy" data-original="http://img.example.cn/{n}/{size}.jpg" '
                'src="data:image/gif;base64,R0lGODlhAQABAIAAAP" referrerpolicy="no-referrer"></p>'
            )
        elif kind < 0.14:
            parts.append(
                f'<p><img src="https://cors.zfour.workers.dev/?http://static.example.cn/{n}/{size}.png"></p>'
            )
        elif kind < 0.2:
            parts.append(f"<p><strong>{sentence(rng)}</strong></p>")
        elif kind < 0.24:
            parts.append('<pre><code class="language-python">def f(x):\n    return x * 2\n</code></pre>')
        elif kind < 0.27:
            parts.append("<ul>" + "".join(f"<li>{sentence(rng)}</li>" for _ in range(3)) + "</ul>")
        else:
            text = "".join(sentence(rng) for _ in range(rng.randint(2, 5)))
            if rng.random() < 0.3:
                text = text[:10] + "<strong>“" + text[10:20] + "。”</strong>" + text[20:]
            parts.append(f"<p> {text}</p>")
        size += len(parts[-1].encode())
    parts.append('<div id="recommend_bottom"></div><script>track();</script></div>')
    return "".join(parts)


def post(rng: random.Random, n: int, target: int) -> str:
    cats = rng.choice(SOURCES)
    when = datetime(2021, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randint(0, 60_000_000))
    style = rng.random()
    date = (
        format_datetime(when, usegmt=True)
        if style < 0.7
        else when.strftime("%Y-%m-%d %H:%M:%S")
        if style < 0.97
        else "Invalid Date"
    )
    cover = f"https://cors.zfour.workers.dev/?http://static.example.cn/cover/{n}.jpeg"
    head = (
        f"\n---\ntitle: '{''.join(rng.choice(WORDS) for _ in range(5))} 第{n}篇'\ncategories: \n"
        + "".join(f" - {c}\n" for c in cats)
        + f"headimg: '{cover}'\nauthor: {cats[1]}\ncomments: false\ndate: {date}\nthumbnail: '{cover}'\n---\n\n"
    )
    return head + body(rng, n, target) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("count", type=int)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--size", type=int, default=8000, help="body bytes per post (default 8000)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    for n in range(args.count):
        folder = args.folder / f"{n // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{n:06d}_{rng.getrandbits(48):012x}.txt").write_text(
            post(rng, n, args.size), encoding="utf-8"
        )
    print(f"wrote {args.count} posts to {args.folder}")


if __name__ == "__main__":
    main()
