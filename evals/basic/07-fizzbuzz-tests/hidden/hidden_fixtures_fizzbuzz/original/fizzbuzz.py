"""The classic FizzBuzz."""


def fizzbuzz(n):
    """Return "Fizz", "Buzz", "FizzBuzz" or the number itself as a string."""
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)


def fizzbuzz_sequence(n):
    """Return [fizzbuzz(1), ..., fizzbuzz(n)]."""
    return [fizzbuzz(i) for i in range(1, n + 1)]
