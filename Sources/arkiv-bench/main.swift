print("arkiv-bench: not yet")
