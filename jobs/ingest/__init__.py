"""Bronze ingestion: landing files -> typed bronze Delta tables, rejects -> quarantine."""
