package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"
)

func newEnv() *env {
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	e.isTerminal = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }
	e.readSecret = func(prompt string) (string, error) {
		fmt.Fprint(os.Stderr, prompt)
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	return e
}

// readNewPassword asks twice on a terminal; from a pipe it reads one line
// (only the line ending is removed: spaces are part of a password).
func readNewPassword(e *env) (string, error) {
	if e.isTerminal() {
		pw, err := e.readSecret("New password: ")
		if err != nil {
			return "", err
		}
		again, err := e.readSecret("Repeat it: ")
		if err != nil {
			return "", err
		}
		if pw != again {
			return "", errors.New("the two passwords do not match")
		}
		return pw, nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password given: type one at the prompt, or pipe it on standard input")
	}
	return line, nil
}

func newStderrLogger(e *env) *slog.Logger { return slog.New(slog.NewTextHandler(e.stderr, nil)) }
