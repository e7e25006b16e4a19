from __future__ import annotations

import pytest

from messaging.contacts import allow_list_add, contact_upsert


@pytest.fixture
def employees(db):
    """``employees(n)``: n contacts tagged ``overtime`` and on the shifts allow-list."""

    def make(n: int, tag: str = "overtime", start: int = 200) -> list[str]:
        phones = []
        for i in range(n):
            phone = f"+1206555{start + i:04d}"
            contact_upsert(name=f"Employee {i + 1}", phone=phone, tags=[tag])
            allow_list_add(phone=phone, scope="shifts")
            phones.append(phone)
        return phones

    return make
