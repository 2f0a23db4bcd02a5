"""Spark-native synthetic data: the five landing sources, deterministic by seed."""
