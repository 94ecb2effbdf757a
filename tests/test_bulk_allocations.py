"""Bulk work (a sync, an import) runs with the cycle collector out of the application's way,
and gives it back as it was, however the work ends and however many run at once."""

from __future__ import annotations

import gc

import pytest

from app.domain.bulk import bulk_allocations


def test_bulk_work_freezes_what_exists_and_restores_the_collector():
    gc.unfreeze()  # nothing frozen before: the collector comes back exactly as it was
    before = gc.get_threshold()
    with bulk_allocations():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > before[0]
        with bulk_allocations():  # a second one at the same time (another thread's sync)
            pass
        assert gc.get_threshold()[0] > before[0]  # the outer work still runs as bulk
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_bulk_work_that_fails_still_restores_the_collector():
    gc.unfreeze()
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), bulk_allocations():
        raise RuntimeError("offline")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_what_a_replay_froze_stays_frozen_and_the_work_is_still_out_of_the_walk():
    gc.unfreeze()
    gc.freeze()  # as collector_paused leaves a workspace's fold
    try:
        kept = gc.get_freeze_count()
        made = [[i] for i in range(10_000)]  # the application's objects since then
        with bulk_allocations():
            assert gc.get_freeze_count() >= kept + len(made)
        assert gc.get_freeze_count() >= kept  # not unfrozen by the bulk work
    finally:
        gc.unfreeze()
