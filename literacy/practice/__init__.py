"""Practice tools for applying AI literacy to a real project (issue 21): the ATRS record workshop so far."""
