"""Searching the partners' catalogues that this node mirrors."""
