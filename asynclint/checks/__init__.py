"""The checks the engine runs, one module per family; ``registry`` lists them."""
