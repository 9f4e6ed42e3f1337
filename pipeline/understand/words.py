"""Small word lists that tell a commenter's name from ordinary English.

Shared by ``signatures`` and ``refs``. The lists are general English (function
words, the words people close or open a comment with, insults, titles, forms of
address), never names from any one blog: what is not in them and looks like a name
(capitalised, an acronym, an initial) is taken for one where the place fits.
"""
from __future__ import annotations

# Words that carry grammar, not names: a "name" made of any of them is text ("Bring it
# on", "SAVE OUR SERVICE", "so help me").
FUNCTION_WORDS = frozenset("""
a an the and or but nor so yet to of in on at by for with from into onto upon up down out off over under
about above below after before since until till than then as if because though although while whilst
it its it's itself this that these those there here where when why how what who whom whose which
i i'm i've i'd i'll me my mine myself we we're we've us our ours you you're you've your yours yourself
he him his she her hers they they're them their theirs one ones
is are was were be been being am do does did done doing have has had having
will would can could shall should must may might ought
not no yes all any some each every both either neither none more most much many few less least
very just only also too even still again ever never always now soon then once
""".split())

# Words a comment may end or open with as part of its text: agreement, thanks, feeling,
# a call to act, an insult, a stock phrase. Not names, even capitalised on a line of
# their own ("Agreed", "Strike.", "Numpty.").
CLOSING_WORDS = frozenset("""
agreed agree agrees exactly indeed absolutely correct precisely quite true right yes yep yeah aye no nope nah
wrong rubbish nonsense bollocks tosh drivel garbage ditto same likewise definitely certainly totally sure
fact facts period simples amen sorry apologies thanks thank thankyou ta cheers regards best sincerely
love bye goodbye later ciao peace respect solidarity congratulations congrats welcome bravo
shame shameful disgrace disgraceful disgusting pathetic ridiculous unbelievable incredible outrageous
scandalous appalling shocking sad sadly tragic wow oh ah aha ha haha hahaha lol lmao omg jeez hmm hmmm
ugh yikes ouch eh er erm um oops whoops great brilliant excellent superb fantastic lovely good bad awful
terrible dreadful horrendous nice well fine ok okay alright hello hi hey dear morning evening afternoon
strike discuss resign unite vote fight resist act join organise organize think wake watch listen enough
stop go look read see beware remember rant over end fin ps nb update edit note question answer
numpty numpties idiot idiots moron morons muppet muppets fool fools clown clowns joker jokers plonker
prat twat wanker tosser loser losers troll trolls liar liars hypocrite hypocrites dinosaur dinosaurs scum
please happy merry christmas xmas easter cool wise true false fair unfair typical classic hear
indeed interesting noted understood spot quite just sigh bless shocking unreal insane crazy mad
""".split())

# Titles before a surname: a signature is never "Mr Hargreaves"; after "Dear" or
# "Thanks" such a word is a title, not a name.
HONORIFICS = frozenset("""
mr mrs ms miss dr sir lord lady dame king queen prince princess captain capt rev reverend professor prof
president minister secretary chancellor judge justice baroness baron earl duke st saint
""".split())

# Forms of address that are not one person's name ("Thank you, Chair", "Thanks all").
ADDRESS_WORDS = frozenset("""
chair chairman chairwoman madam sir sirs boss guv mate mates pal pals folks all everyone everybody
guys people colleagues comrade comrades friends friend brother brothers sister sisters god christ lord
jesus heavens goodness team members officials leaders leadership management managers
""".split())

# Word endings of English that names rarely have: "Solidarity", "Disgraceful",
# "Unbelievable" are words, not handles (checked on words of six letters or more).
NON_NAME_ENDINGS = ("ity", "tion", "sion", "ness", "ment", "ful", "ous", "ive", "able", "ible", "ally",
                    "ously", "ism", "ings", "edly", "ctly", "ntly", "stly", "tely", "sely", "ssly")

# The words "Anonymous" comes as: no one's name.
ANONYMOUS_WORDS = frozenset(("anon", "anonymous", "anonymouse", "anonymus", "annon", "anom", "anonymously"))


def names_no_one(text: str) -> bool:
    """Whether a name or signature names no one: "Anon", "Anonymous", "anon 20:43", "Anon PO"."""
    words = text.split()
    return bool(words) and words[0].lower().rstrip(".,") in ANONYMOUS_WORDS


def is_plain_word(word: str) -> bool:
    """Whether ``word`` (any case, punctuation around it allowed) is ordinary English here."""
    low = word.strip(".,;:!?'\"()\u2018\u2019\u201c\u201d").lower()
    return low in FUNCTION_WORDS or low in CLOSING_WORDS or low in ADDRESS_WORDS or (
        len(low) >= 6 and low.endswith(NON_NAME_ENDINGS))
