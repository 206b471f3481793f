"""Simple text codecs."""
