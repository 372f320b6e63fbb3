"""The coordinator: admits clusters to the agreement and signs the federation registry.

Any node can be the coordinator (setting ``COORDINATOR_ENABLED``); it is then also a member of
the federation it coordinates.
"""
