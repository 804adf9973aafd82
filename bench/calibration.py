"""Deterministic English-like calibration text for the AWQ path of bench/run."""
import random, sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
rng = random.Random(3)
WORDS = ("the of and to in is that for it as was with be by on not this are or from at which but have an "
         "they you were her she there been one all we their has would when if so no what can out other into "
         "more some could time these two may then do first any now such like over even most made after also "
         "did many before must through back years where much way well down should because each just those "
         "people how little state good very make world still own see work long get here between both life "
         "being under never day same another know while last might great old year off come since against "
         "model answer question data function value system number error code list result memory").split()
lines = []
for _ in range(400):
    n = rng.randint(8, 20)
    lines.append(" ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + ".")
print("\n".join(lines))
