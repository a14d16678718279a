"""Stdlib-only helpers for reward functions: answer extraction, number normalisation, code execution.

    from autodidact.rewards import final_answer, same_number, choice_letter
"""
from autodidact.rewards.answers import (  # noqa: F401
    boxed, after_hashes, answer_is, last_number, final_answer,
    parse_number, same_number, choice_letter, normalize_text,
)
