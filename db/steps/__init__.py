"""The shipped schema steps, one frozen module each (see db/migrations.py)."""
