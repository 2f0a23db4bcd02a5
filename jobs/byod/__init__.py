"""Bring your own data: an orders file (CSV or Parquet) mapped onto bronze orders and users."""
