"""Turning completion tokens into the `text` the worker protocol returns, as the JVM engine does for the same model dir:
autodidact-tokenizer.json (character-level: 0 <pad>, 1 <eos>, then one id per alphabet character), tokenizer.json (through
the `tokenizers` package, which transformers brings), or neither (ids stand for themselves, printed separated by spaces;
eos ids from generation_config.json or config.json).
"""
import json
import os

CHAR_FILE = "autodidact-tokenizer.json"
HF_FILE = "tokenizer.json"


class CharTokenizer:
    def __init__(self, alphabet):
        if not alphabet:
            raise ValueError("alphabet must not be empty: list every character the task uses")
        if len(set(alphabet)) != len(alphabet):
            raise ValueError("alphabet repeats a character; list each character once")
        self.alphabet = alphabet
        self.vocab_size = len(alphabet) + 2
        self.eos_ids = (1,)

    def decode(self, ids):
        return "".join(self.alphabet[i - 2] for i in ids if i >= 2)

    def save(self, directory):
        with open(os.path.join(directory, CHAR_FILE), "w") as f:
            json.dump({"type": "char", "alphabet": self.alphabet}, f)


class IdTokenizer:
    def __init__(self, eos_ids):
        self.eos_ids = tuple(eos_ids)

    def decode(self, ids):
        return " ".join(str(i) for i in ids)

    def save(self, directory):
        pass  # the ids need no file; eos ids travel in config.json


class HfTokenizer:
    def __init__(self, directory, eos_ids):
        try:
            from tokenizers import Tokenizer
        except ImportError as e:
            raise ValueError("%s has a tokenizer.json but the `tokenizers` package is not importable here (%s); install it "
                             "(it comes with transformers) or remove tokenizer.json to work on token ids" % (directory, e))
        self.directory = directory
        self.tokenizer = Tokenizer.from_file(os.path.join(directory, HF_FILE))
        self.eos_ids = tuple(eos_ids)

    def decode(self, ids):
        return self.tokenizer.decode(list(ids), skip_special_tokens=False)

    def save(self, directory):
        self.tokenizer.save(os.path.join(directory, HF_FILE))


def eos_ids(directory):
    """eos_token_id (a number or a list) from generation_config.json, then config.json."""
    for name in ("generation_config.json", "config.json"):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            with open(path) as f:
                v = json.load(f).get("eos_token_id")
            if v is not None:
                return tuple(v) if isinstance(v, list) else (int(v),)
    return ()


def load(directory):
    if os.path.isfile(os.path.join(directory, HF_FILE)):
        return HfTokenizer(directory, eos_ids(directory))
    if os.path.isfile(os.path.join(directory, CHAR_FILE)):
        with open(os.path.join(directory, CHAR_FILE)) as f:
            spec = json.load(f)
        if spec.get("type") != "char":
            raise ValueError("%s: type %r is not supported; expected \"char\"" % (os.path.join(directory, CHAR_FILE), spec.get("type")))
        return CharTokenizer(spec["alphabet"])
    return IdTokenizer(eos_ids(directory))
