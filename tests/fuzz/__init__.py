"""Property-based tests of the HTML pages: every form the site serves and every query
string its list and report pages read, posted with what a browser would send and with
what a hostile client could send instead, by every role that reaches the form."""
