"""What the node stopped trying on its own and staff must look at: "needs attention"."""
