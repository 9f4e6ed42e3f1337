from .entry import main

# Guarded: a Dask cluster's worker processes start by importing the main module.
if __name__ == "__main__":
    main()
