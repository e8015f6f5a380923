"""The ATRS record workshop: drafting an Algorithmic Transparency Recording Standard record for a real tool."""
