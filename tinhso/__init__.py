"""Tỉnh số: a digital-government platform for a Vietnamese province."""
