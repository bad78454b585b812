from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import Repo, make_repo

APP = {
    "README.md": "# shop\n",
    "CHANGES.md": "# Changes\n",
    "shop/__init__.py": '"""The shop."""\nfrom shop.cart import Cart\n',
    "shop/cart.py": (
        '"""Shopping carts."""\nfrom shop.pricing import discount\n\n\n'
        "class Cart:\n    def total(self):\n        return discount(1)\n"
    ),
    "shop/pricing.py": '"""Prices and discounts."""\n\n\ndef discount(amount):\n    return 1\n',
    "shop/auth/__init__.py": "",
    "shop/auth/tokens.py": '"""Login tokens."""\n\n\ndef issue_token(user):\n    return user\n',
    "tests/test_cart.py": "from shop.cart import Cart\n\n\ndef test_total():\n    assert Cart()\n",
    "tests/test_pricing.py": "from shop.pricing import discount\n",
    "web/app.js": "import { total } from './cart.js'\nexport function main() {}\n",
}


@pytest.fixture
def shop(tmp_path: Path) -> Repo:
    """A small real repository with a history: pricing changes come with the changelog."""
    repo = make_repo(tmp_path / "shop", APP)
    for n in range(4):
        repo.write("shop/pricing.py", APP["shop/pricing.py"] + f"\n# rate {n}\n")
        repo.write("CHANGES.md", f"# Changes\n- discount {n}\n")
        repo.write("tests/test_pricing.py", APP["tests/test_pricing.py"] + f"# {n}\n")
        repo.commit(f"Adjust discount rounding {n}")
    repo.write("shop/auth/tokens.py", APP["shop/auth/tokens.py"] + "# expiry\n")
    repo.commit("Token expiry")
    return repo
