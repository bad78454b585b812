"""The slots' gate: a worktree add never runs while a checkout does (git races with itself)."""

from __future__ import annotations

import threading
import time

from ap.run.slots import _Gate


def test_alone_waits_for_every_shared_holder_and_blocks_new_ones() -> None:
    gate = _Gate()
    order: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def checkout(name: str) -> None:
        with gate.shared():
            order.append(f"{name} in")
            inside.set()
            release.wait(5)
            order.append(f"{name} out")

    def add() -> None:
        with gate.alone():
            order.append("add")

    first = threading.Thread(target=checkout, args=("c1",))
    first.start()
    inside.wait(5)
    adder = threading.Thread(target=add)
    adder.start()
    time.sleep(0.05)
    assert "add" not in order  # a checkout is running: the add waits
    release.set()
    first.join(5)
    adder.join(5)
    assert order == ["c1 in", "c1 out", "add"]


def test_shared_holders_run_together() -> None:
    gate = _Gate()
    both = threading.Barrier(2, timeout=5)

    def checkout() -> None:
        with gate.shared():
            both.wait()  # would time out (BrokenBarrierError) if they excluded each other

    threads = [threading.Thread(target=checkout) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert not both.broken


def test_a_waiting_add_goes_before_new_checkouts() -> None:
    gate = _Gate()
    order: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with gate.shared():
            inside.set()
            release.wait(5)
            order.append("first checkout out")

    def add() -> None:
        with gate.alone():
            order.append("add")

    def checkout() -> None:
        with gate.shared():
            order.append("second checkout")

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    adder = threading.Thread(target=add)
    adder.start()
    time.sleep(0.05)  # the add is waiting now
    late = threading.Thread(target=checkout)
    late.start()
    time.sleep(0.05)
    assert order == []  # the late checkout waits behind the waiting add
    release.set()
    for t in (holder, adder, late):
        t.join(5)
    assert order == ["first checkout out", "add", "second checkout"]
