"""What the tests share: the stacks they run on, real processes, and a probe service."""
