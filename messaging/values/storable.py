"""Text and JSON that PostgreSQL can store: its text and jsonb types hold neither U+0000 nor a
lone surrogate (which no UTF-8 can). Anything that came in from outside (an SNS message, an alert
body, an inbound SMS) passes through here before it is stored. A leaf: stdlib only.
"""

def has_lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def clean_text(text: str, nul: str = "") -> str:
    """``text`` with NUL replaced by ``nul`` and lone surrogates by U+FFFD: storable anywhere."""
    if text.isascii():
        return text.replace("\x00", nul) if "\x00" in text else text
    text = text.replace("\x00", nul)
    # surrogatepass then replace: each lone surrogate becomes one U+FFFD, valid pairs stay.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clean_json(value, nul: str = "", *, max_depth: int = 64):
    """A copy of a decoded JSON value with every string (keys too) passed through clean_text.

    Raises ``ValueError`` for a value nested deeper than ``max_depth``, well before Python's
    own recursion limit could be reached.
    """
    if isinstance(value, str):
        return clean_text(value, nul)
    if max_depth <= 0:
        raise ValueError("JSON nested too deeply")
    if isinstance(value, dict):
        return {clean_text(k, nul) if isinstance(k, str) else k: clean_json(v, nul, max_depth=max_depth - 1)
                for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v, nul, max_depth=max_depth - 1) for v in value]
    return value


def unstorable(value) -> bool:
    """Whether a decoded JSON value holds a string (or key) that PostgreSQL cannot store."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or has_lone_surrogate(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
