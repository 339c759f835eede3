"""The bottom floor: helpers every app may import; it imports nothing from the apps."""
