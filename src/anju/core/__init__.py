"""Settings, database, migrations, errors and time: the platform's shared kernel."""
