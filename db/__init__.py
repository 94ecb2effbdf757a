"""Storage: the SQLCipher database, its key file, migrations, the journal and backups."""
