"""The reciprocity ledger: signed receipts of what hosts did for partners' members, kept by both
nodes and by the coordinator, and the figures drawn from them."""
