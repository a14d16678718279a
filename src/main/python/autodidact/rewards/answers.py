"""Final-answer extraction and normalisation for math and multiple-choice rewards (standard library only).

Every extractor returns the answer text, or None when the completion has no answer of that form.
"""
import re
from fractions import Fraction

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")


def boxed(text):
    """The content of the last \\boxed{...} (or \\fbox{...}), braces balanced: '\\boxed{\\frac{1}{2}}' -> '\\frac{1}{2}'."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    i = text.find("{", start)
    if i < 0:
        return None
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:j].strip()
    return None


def after_hashes(text):
    """GSM8K style: what follows the last '####' on its line."""
    i = text.rfind("####")
    if i < 0:
        return None
    rest = text[i + 4:].strip().splitlines()
    return rest[0].strip() if rest else None


_ANSWER_IS = re.compile(r"answer\s*(?:is|:)\s*[:=]?\s*(.+)", re.IGNORECASE)


def answer_is(text):
    """What follows the last 'answer is' / 'answer:' up to the end of the sentence or line."""
    found = None
    for m in _ANSWER_IS.finditer(text):
        found = m.group(1)
    if found is None:
        return None
    found = found.splitlines()[0].strip()
    found = re.sub(r"(?<=\S)[.;!]\s.*$", "", found)  # cut the next sentence
    return found.rstrip(".;! ").strip() or None


def last_number(text):
    """The last number in the text, e.g. '... so 1,234.5 apples.' -> '1,234.5'."""
    found = _NUMBER.findall(text)
    return found[-1] if found else None


def final_answer(text):
    """The first that matches of: \\boxed{}, '####', 'answer is', the last number."""
    for extract in (boxed, after_hashes, answer_is, last_number):
        value = extract(text)
        if value:
            return value
    return None


_FRAC = re.compile(r"^\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}$")


def parse_number(text):
    """A number as an exact Fraction: '1,234', '$5.50', '50%', '3/4', '\\frac{3}{4}', '-2.5e3', '1/2.'.

    Percentages are divided by 100. Returns None when the text is not one number.
    """
    if text is None:
        return None
    s = str(text).strip().rstrip(".").strip()
    s = s.replace("$", "").replace("\\!", "").replace("{,}", "").replace(",", "").replace(" ", "")
    s = re.sub(r"^\\text\{(.*)\}$", r"\1", s)
    percent = s.endswith("%") or s.endswith("\\%")
    s = s.rstrip("%").rstrip("\\")
    m = _FRAC.match(s)
    if m:
        s = m.group(1) + "/" + m.group(2)
    try:
        value = Fraction(s)
    except (ValueError, ZeroDivisionError):
        return None
    return value / 100 if percent else value


def same_number(a, b, rel_tol=1e-6, abs_tol=1e-9):
    """True when both parse as numbers that are equal (exactly, or within the tolerances)."""
    x, y = parse_number(a), parse_number(b)
    if x is None or y is None:
        return False
    if x == y:
        return True
    return abs(float(x) - float(y)) <= max(abs_tol, rel_tol * max(abs(float(x)), abs(float(y))))


_CHOICE_PATTERNS = [
    r"(?i:answer)\s*(?:is|:)?\s*:?\s*\(?\b([{letters}])\b\)?",
    r"\(([{letters}])\)",
    r"^\s*([{letters}])[.):]",
    r"\b([{letters}])\b",
]


def choice_letter(text, letters="ABCDE"):
    """The multiple-choice letter a completion settles on: 'The answer is (C).' -> 'C'.

    Tries, in order, 'answer is X', '(X)', a line starting 'X.' or 'X)', then a lone capital letter; takes the
    last match of the first pattern that matches. Returns None when none does.
    """
    for pattern in _CHOICE_PATTERNS:
        found = re.findall(pattern.format(letters=re.escape(letters)), text, re.MULTILINE)
        if found:
            return found[-1].upper()
    return None


def normalize_text(text):
    """Lower case, no surrounding punctuation or articles, single spaces: for exact-match short answers."""
    s = str(text).lower().strip()
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    s = re.sub(r"[^\w\s.-]", " ", s)
    return " ".join(s.split()).strip(" .")
