from shoetrack.cli import main

main()
