"""Faster re.sub/subn/findall/finditer on GraalPy (evaluated by io.autodidact.python before host.py).

GraalPy 25.0's Pattern.sub, subn, findall and finditer run each match through an uncached call into TRegex
(`tregex_call_exec`): 50-250 us per call even when nothing matches, against 0.1-0.3 us for Pattern.search on
the same pattern once compiled. Rewards call them for every sample (answer extraction, number parsing),
so this was most of the reward benchmark's time. The replacements below walk the string with Pattern._search
(the cached path search/match use), keeping GraalPy's own loop and its `must_advance` rule for empty matches,
so results are the same; anything unusual (bytes, pos/endpos, a pattern TRegex cannot compile, a negative
count) still goes to the original method.

Does nothing on CPython or on a GraalPy whose _sre lacks the internals used here.
"""
import sys


def _install():
    if sys.implementation.name != "graalpy":
        return False
    import _sre
    pattern_type = getattr(_sre, "Pattern", None)
    compile_tregex = getattr(_sre, "tregex_compile", None)
    method_search = getattr(_sre, "_METHOD_SEARCH", None)
    expand_template = getattr(_sre, "expand_template", None)
    if None in (pattern_type, compile_tregex, method_search, expand_template) or not hasattr(pattern_type, "_search"):
        return False
    if getattr(pattern_type, "_autodidact_fast_regex", False):
        return True
    maxsize = sys.maxsize
    original_subn, original_findall, original_finditer = pattern_type.subn, pattern_type.findall, pattern_type.finditer

    def fast(pattern, string):
        if type(string) is not str or type(pattern.pattern) is not str:
            return False
        ok = pattern.__dict__.get("_autodidact_fast")
        if ok is None:
            ok = compile_tregex(pattern, method_search, False) is not None and \
                 compile_tregex(pattern, method_search, True) is not None
            pattern.__dict__["_autodidact_fast"] = ok
        return ok

    def matches(pattern, string):
        search = pattern._search
        pos, end, must_advance = 0, len(string), False
        while pos <= end:
            m = search(string, pos, maxsize, method_search, must_advance)
            if m is None:
                return
            yield m
            start, pos = m.span()
            must_advance = start == pos

    def subn(self, repl, string, count=0):
        if count < 0 or not fast(self, string) or not (callable(repl) or type(repl) is str):
            return original_subn(self, repl, string, count)
        template = None
        if not callable(repl) and "\\" in repl:
            import re
            template = re._compile_template(self, repl)
        pieces, pos, n = [], 0, 0
        search = self._search
        end, must_advance = len(string), False
        while (count == 0 or n < count) and pos <= end:
            m = search(string, pos, maxsize, method_search, must_advance)
            if m is None:
                break
            start, stop = m.span()
            pieces.append(string[pos:start])
            if template is not None:
                pieces.append(expand_template(template, m))
            elif callable(repl):
                value = repl(m)
                if value is not None:
                    pieces.append(str(value))
            else:
                pieces.append(repl)
            n += 1
            pos = stop
            must_advance = start == stop
        if n == 0:
            return string, 0
        pieces.append(string[pos:])
        return "".join(pieces), n

    def sub(self, repl, string, count=0):
        return subn(self, repl, string, count)[0]

    def findall(self, string, pos=0, endpos=maxsize):
        if pos != 0 or endpos != maxsize or not fast(self, string):
            return original_findall(self, string, pos, endpos)
        groups = self.groups
        if groups == 0:
            return [m.group(0) for m in matches(self, string)]
        if groups == 1:
            return [m.group(1) or "" for m in matches(self, string)]
        return [m.groups("") for m in matches(self, string)]

    def finditer(self, string, pos=0, endpos=maxsize):
        if pos != 0 or endpos != maxsize or not fast(self, string):
            return original_finditer(self, string, pos, endpos)
        return matches(self, string)

    pattern_type.subn, pattern_type.sub = subn, sub
    pattern_type.findall, pattern_type.finditer = findall, finditer
    pattern_type._autodidact_fast_regex = True
    return True


_install()
