"""Placeholder: filled by the attrib work."""
