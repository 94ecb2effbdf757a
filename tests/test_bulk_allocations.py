"""Bulk work (a sync) runs with the cycle collector out of the application's way, and gives it
back exactly as it was, however the work ends and however many run at once."""

from __future__ import annotations

import gc

import pytest

from app.services.base.common import bulk_allocations


def test_bulk_work_freezes_what_exists_and_restores_the_collector():
    gc.unfreeze()  # as in the desktop, nothing is frozen before
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with bulk_allocations():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > before[0]
        with bulk_allocations():  # a second one at the same time (another thread's sync)
            pass
        assert gc.get_threshold()[0] > before[0]  # the outer work still runs as bulk
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_bulk_work_that_fails_still_restores_the_collector():
    gc.unfreeze()
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with pytest.raises(RuntimeError), bulk_allocations():
        raise RuntimeError("offline")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_objects_the_process_froze_itself_stay_frozen():
    gc.freeze()
    try:
        with bulk_allocations():
            pass
        assert gc.get_freeze_count() > 0  # not unfrozen by the bulk work
    finally:
        gc.unfreeze()
