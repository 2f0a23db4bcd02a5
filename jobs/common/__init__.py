"""What every stage shares: config, the Spark session, Delta helpers, the CLI."""
