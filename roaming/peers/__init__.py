"""Partner nodes: who they are, how their keys are trusted, and what we hold of theirs."""
