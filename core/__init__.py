"""Project-wide building blocks that import no app (row locks in one global order, ...)."""
