"""postshelf's UI-free core: read posts, clean their HTML, write Markdown, XHTML, EPUB and JSON."""
