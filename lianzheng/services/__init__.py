"""Writes: every change the add-on makes to its data goes through a function in this package."""
