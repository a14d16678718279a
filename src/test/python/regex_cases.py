"""re.sub/subn/findall/finditer cases with tricky semantics (empty matches, groups, templates, callables, counts).

FastRegexTest runs them on GraalPy with autodidact/fast_regex.py installed and compares with
regex_cases.expected.json, which is what CPython answers: `python3 src/test/python/regex_cases.py`.
"""
import json
import re
CASES = [
 ("sub", r"^\\text\{(.*)\}$", r"\1", "\\text{12}", 0),
 ("sub", r"^\\text\{(.*)\}$", r"\1", "1234", 0),
 ("sub", r"(?<=\S)[.;!]\s.*$", "", "42. And then", 0),
 ("sub", r"(?<=\S)[.;!]\s.*$", "", "42", 0),
 ("sub", r"x*", "-", "abxd", 0),
 ("sub", r"x*", "-", "", 0),
 ("sub", r"", "-", "abc", 0),
 ("sub", r"a|", "-", "baac", 0),
 ("sub", r"(a)(b)?", r"[\2\1\g<1>]", "aab ab", 0),
 ("sub", r"(?P<w>\w+)", r"<\g<w>>", "hi there you", 2),
 ("sub", r"\s+", " ", "  a  b\n\tc ", 0),
 ("sub", r"\d", "#", "a1b22c333", 3),
 ("subn", r"o", "0", "foo boo", 0),
 ("subn", r"z", "0", "foo boo", 0),
 ("subn", r"\b", "|", "ab cd", 0),
 ("sub", r"é+", "E", "ééa café", 0),
 ("sub", r"(?i)ANSWER", "A", "answer Answer", 0),
 ("findall", r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+", None, "a 1,234.5 b -3/4 .5 and 7", 0),
 ("findall", r"(\w)(\d)?", None, "a1 b c3", 0),
 ("findall", r"(\w)(x)?", None, "ax by", 0),
 ("findall", r"(a)|b", None, "abab", 0),
 ("findall", r"x*", None, "axxb", 0),
 ("findall", r"", None, "ab", 0),
 ("findall", r"^\s*([A-E])[.):]", None, "A. one\n B) two", 0),
 ("findall", r"(?m)^\s*([A-E])[.):]", None, "A. one\n B) two", 0),
 ("findall", r"```(?:python|py|Python)?[ \t]*\n(.*?)```", None, "x ```python\nprint(1)\n``` y ```\nz\n```", 0),
 ("findall", r"(?s)```(?:python)?[ \t]*\n(.*?)```", None, "```python\na\nb\n```", 0),
 ("finditer", r"answer\s*(?:is|:)\s*[:=]?\s*(.+)", None, "the answer is 5\nanswer: 7", 0),
 ("finditer", r"a*", None, "baaac", 0),
 ("finditer", r"\d+", None, "", 0),
]
def run(kind, pat, repl, s, count):
    p = re.compile(pat)
    if kind == "sub": return p.sub(repl, s, count)
    if kind == "subn": return list(p.subn(repl, s, count))
    if kind == "findall": return [list(x) if isinstance(x, tuple) else x for x in p.findall(s)]
    return [[m.span(), m.group(0), list(m.groups())] for m in p.finditer(s)]
def callable_case():
    return re.sub(r"\d+", lambda m: str(int(m.group(0)) * 2), "a1 b22 c") + "|" + re.sub(r"\d", lambda m: None if m.group(0) == "1" else "x", "123")
if __name__ == "__main__":
    print(json.dumps([run(*c) for c in CASES] + [callable_case()]))
