/* report.h — `mailtap report`: devices that sent mail without TLS, in several formats. */
#ifndef MAILTAP_REPORT_H
#define MAILTAP_REPORT_H

/* Run the report subcommand with its own arguments (argv[0] is "report").
 * Returns the process exit status: 0 ok, 1 runtime failure, 2 usage error. */
int report_main(int argc, char **argv);

#endif
