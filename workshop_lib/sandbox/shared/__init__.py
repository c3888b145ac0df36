"""What both halves of the sandbox need, with the standard library only: its credentials file and its private folders."""
