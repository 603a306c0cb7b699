from forecast.cli.entry import main

main()
