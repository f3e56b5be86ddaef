"""The XSS corpus (issue #8): hostile text written for Townhall from the published evasion
categories (tag and attribute injection, encodings, SVG/MathML, markdown link and image
tricks, mutation XSS, unicode, overlong input). Every payload that runs tries to set
`window.__xss` or call `alert`; those that load try `attacker.invalid`.

Used as comment bodies, display names and thread titles by tests/browser/test_xss_corpus.py.
"""

from __future__ import annotations

FIRE = "window.__xss=1;alert(1)"
FOREIGN = "https://attacker.invalid/x"


def _corpus() -> list[str]:
    tags = [
        f"<script>{FIRE}</script>",
        f"<img src=x onerror={FIRE}>",
        f"<svg onload={FIRE}>",
        f"<body onload={FIRE}>",
        f"<iframe src=javascript:{FIRE}>",
        f"<iframe srcdoc='<script>{FIRE}</script>'>",
        f"<details open ontoggle={FIRE}>",
        f"<video><source onerror={FIRE}>",
        f"<audio src=x onerror={FIRE}>",
        f"<input autofocus onfocus={FIRE}>",
        f"<select autofocus onfocus={FIRE}>",
        f"<marquee onstart={FIRE}>",
        f"<object data=javascript:{FIRE}>",
        f"<embed src=javascript:{FIRE}>",
        f"<form action=javascript:{FIRE}><button>go",
        f"<a href=javascript:{FIRE}>x</a>",
        f"<base href={FOREIGN}>",
        f"<link rel=stylesheet href={FOREIGN}>",
        f"<meta http-equiv=refresh content='0;url=javascript:{FIRE}'>",
        f"<style>@import '{FOREIGN}';</style>",
        f'<div style="background:url({FOREIGN})">x</div>',
        f"<img src={FOREIGN}>",
        f"<image src=x onerror={FIRE}>",
        f"<isindex type=image src=1 onerror={FIRE}>",
        f"<table background={FOREIGN}>",
        f"<p onmouseover={FIRE}>hover</p>",
    ]
    attribute = [
        f'" onmouseover="{FIRE}',
        f"' onfocus='{FIRE}' autofocus='",
        f'"><script>{FIRE}</script>',
        f"'><img src=x onerror={FIRE}>",
        f"</textarea><script>{FIRE}</script>",
        f"</title><script>{FIRE}</script>",
        f"--><script>{FIRE}</script>",
        f"]]><script>{FIRE}</script>",
        f"</style><script>{FIRE}</script>",
        "`-alert(1)-`",
        "${alert(1)}",
        "{{constructor.constructor('alert(1)')()}}",
    ]
    encodings = [
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="&#x6A;avascript:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="jav&#10;ascript:alert(1)">x</a>',
        '<a href=" javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        "%3Cscript%3Ealert(1)%3C/script%3E",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
        "\\x3cscript\\x3ealert(1)\\x3c/script\\x3e",
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<SCRIPT SRC=//attacker.invalid/x.js></SCRIPT>",
        "<img src=`x` onerror=alert(1)>",
        "<img/src=x/onerror=alert(1)>",
        "<img\nsrc=x\nonerror=alert(1)>",
        "<img src=x onerror\t=alert(1)>",
        "<svg><script>alert&#40;1&#41;</script></svg>",
        '<a href="&#0000106&#0000097vascript:alert(1)">x</a>',
    ]
    svg_math = [
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<svg><a xlink:href=javascript:alert(1)><text y=20>x</text></a></svg>",
        "<svg><set attributeName=href to=javascript:alert(1)>",
        "<svg><foreignObject><iframe src=javascript:alert(1)>",
        "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
        "<image href='1' onerror='alert(1)'/></svg>#x\"/>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<math href=javascript:alert(1)>x</math>",
        "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
        "<svg><style><img src=x onerror=alert(1)></style></svg>",
        "<svg><title><img src=x onerror=alert(1)></title></svg>",
        "<math><mi><mglyph><svg><mtext><textarea>"
        '<path id="</textarea><img onerror=alert(1) src=1>">',
    ]
    markdown = [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x]( javascript:alert(1) )",
        "[x](java\tscript:alert(1))",
        "![x](javascript:alert(1))",
        f"![x]({FOREIGN})",
        f'![x]({FOREIGN} "t")',
        "[x](data:text/html,<script>alert(1)</script>)",
        "<javascript:alert(1)>",
        "[x][r]\n\n[r]: javascript:alert(1)",
        f"![i][r]\n\n[r]: {FOREIGN}",
        '[x](https://example.org"onmouseover="alert(1))',
        "[x](https://example.org'onmouseover='alert(1))",
        "[<img src=x onerror=alert(1)>](https://example.org)",
        '[x](https://example.org "<script>alert(1)</script>")',
        "`<script>alert(1)</script>`",
        "```\n<script>alert(1)</script>\n```",
        "    <script>alert(1)</script>",
        "> <script>alert(1)</script>",
        "* <img src=x onerror=alert(1)>",
        "**<svg onload=alert(1)>**",
        "~~<iframe src=javascript:alert(1)>~~",
        '<https://example.org/"><script>alert(1)</script>>',
        "www.example.org/<script>alert(1)</script>",
        "[x](vbscript:alert(1))",
        "[x](file:///etc/passwd)",
    ]
    mutation = [
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
        '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
        "<table><td><template><img src=x onerror=alert(1)></template>",
        "<listing>&lt;img src=1 onerror=alert(1)&gt;</listing>",
        "<xmp><img src=x onerror=alert(1)></xmp>",
        "<textarea><img src=x onerror=alert(1)></textarea>",
        "<noembed><img src=x onerror=alert(1)></noembed>",
        "<plaintext><img src=x onerror=alert(1)>",
        '<!--<img src="--><img src=x onerror=alert(1)//">',
        "<![CDATA[><img src=x onerror=alert(1)>]]>",
        '<?xml-stylesheet href="javascript:alert(1)"?>',
        '<a title="a`b" href=`javascript:alert(1)`>x</a>',
        "<p>unclosed <b>bold <i>nest <a href=javascript:alert(1)>",
    ]
    unicode = [
        "<scr\u200bipt>alert(1)</scr\u200bipt>",
        "\u202e>tpircs/<)1(trela>tpircs<",
        "＜script＞alert(1)＜/script＞",
        "<img src=x onerror=\u0061lert(1)>",
        "[x](javascr\u0131pt:alert(1))",
        "[x](\u0000javascript:alert(1))",
        "\ufeff<script>alert(1)</script>",
        '<a href="java\u00adscript:alert(1)">x</a>',
        "ⓙⓐⓥⓐⓢⓒⓡⓘⓟⓣ:alert(1)",
        "<svg onload=\u200balert(1)>",
        "𝓪𝓵𝓮𝓻𝓽(1) <img src=x onerror=alert(1)>",
        '<a href="javascript\u2028:alert(1)">x</a>',
    ]
    overlong = [
        "<" * 2000 + "script>alert(1)",
        '<a href="' + "A" * 3000 + '">x</a>',
        "[x](" + "(" * 500 + "javascript:alert(1)" + ")" * 500 + ")",
        "*" * 4000 + "<img src=x onerror=alert(1)>",
        "> " * 500 + "<script>alert(1)</script>",
        "- " * 800 + "[x](javascript:alert(1))",
        "\xc0\xbcscript\xc0\xbealert(1)",
        "%C0%BCscript%C0%BEalert(1)%C0%BC/script%C0%BE",
        "%EF%BC%9Cscript%EF%BC%9E",
    ]
    base = tags + attribute + encodings + svg_math + markdown + mutation + unicode + overlong
    # Each payload also inside a link title and a list item: the same tricks in other slots.
    wrapped = [f'[t](https://example.org "{p[:200]}")' for p in tags + svg_math]
    wrapped += [f"1. {p[:300]}" for p in attribute + mutation]
    return base + wrapped


PAYLOADS = _corpus()
# Display names: one line, at most 80 characters, no control characters (the sign-up rules).
NAMES = [p for p in PAYLOADS if p.isprintable() and len(p) <= 80][:24]
# Thread titles: at most 500 characters.
TITLES = [p[:500] for p in PAYLOADS if p.isprintable()][:24]
