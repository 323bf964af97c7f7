print("Examples: not yet")
