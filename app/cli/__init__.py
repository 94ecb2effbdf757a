"""The `yibao` command line: `main` parses and dispatches, `shared` holds what the
subcommand modules (foundation, ledger, papers, sync, township) have in common."""
