"""tergeu — the electronic criminal case."""
