let cellarVersion = "0.1.0"
