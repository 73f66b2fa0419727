"""Services: load under lock -> engine call -> save tasks + events, one commit."""
