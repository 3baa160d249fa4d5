"""Awards: award types, nominations, council votes, decisions and the award registry."""
