namespace Mail.Host.Benchmarks.Generation;

/// <summary>
/// The words and names generated messages are made of. <see cref="Words"/> is ordered roughly from the most to the
/// least frequent in business mail, so a Zipf draw over it gives text whose term frequencies look like real mail:
/// a few words everywhere, a long tail of words in few messages. That shape is what an inverted index pays for.
/// </summary>
internal static class Vocabulary
{
    public static readonly string[] Words = Distinct(Split("""
        the to and of a in for is that on you it with be this we as are have at will i our from by not or
        can if your please all but us would an they there so has about me was more any one what which also
        just out do when should need time new up get were been their other some know like team could them
        make than see now our its these only into may next week work help use back over how first two thanks
        project meeting update today report review date data customer issue information plan question changes
        support order account service number file group call email following free sure best follow
        business agreement days end set well right still process system access price version document schedule
        program list budget note request morning look send added available looking office product current
        attached contract status working quarter sales contact details ready check month case support
        already take going without good time week proposal draft final approval feedback discussion
        deadline invoice payment shipment delivery team manager client partner vendor supplier contractor
        review design release test testing build server network database migration backup security policy
        training workshop conference presentation slides agenda minutes notes summary overview analysis
        forecast revenue cost costs expense expenses margin profit loss growth target targets goal goals
        quarterly annual monthly weekly daily tomorrow yesterday monday tuesday wednesday thursday friday
        january february march april june july august september october november december morning afternoon
        evening office remote travel flight hotel visit site location building room floor desk equipment
        laptop phone printer license software hardware upgrade install installation configuration settings
        password login portal website page link form survey results numbers figures table chart spreadsheet
        invoice receipt purchase order quote estimate pricing discount offer terms conditions renewal
        subscription cancellation refund claim warranty inspection audit compliance regulation requirement
        requirements specification scope milestone phase stage timeline roadmap priority priorities risk
        risks mitigation dependency dependencies resource resources staffing hiring candidate candidates
        interview interviews offer onboarding handover transition coverage vacation leave holiday holidays
        reminder confirm confirmation confirmed cancel cancelled reschedule rescheduled postpone moved
        approved rejected pending blocked resolved closed open opened escalate escalation incident outage
        maintenance window downtime patch fix bug bugs feature features improvement improvements request
        requests ticket tickets queue backlog sprint standup retrospective demo prototype pilot launch
        rollout adoption usage metrics dashboard kpi performance latency capacity storage bandwidth
        throughput benchmark baseline regression deployment environment staging production cluster node
        nodes container image repository branch merge commit pipeline workflow automation script tool tools
        vendor negotiation legal counsel signature signed signing copy copies original revised revision
        comments comment suggestions suggestion concerns concern answer answers clarify clarification
        understand understanding explain explanation context background reason reasons decision decisions
        option options alternative alternatives recommendation recommendations proposal approach strategy
        direction vision initiative initiatives campaign marketing brand launch market markets competitor
        competitors pricing segment region regional global international local headquarters branch
        department division unit finance accounting procurement operations logistics warehouse inventory
        stock supply chain freight carrier tracking customs import export shipping packaging label labels
        quality assurance control inspection defect defects return returns replacement repair service
        technician visit appointment availability calendar invite invitation attendees participants
        speaker speakers venue catering lunch dinner coffee breakfast drinks celebration anniversary
        congratulations welcome farewell announcement newsletter bulletin memo circular guideline
        guidelines handbook manual instructions procedure procedures checklist template templates
        board committee council steering sponsor stakeholder stakeholders owner owners lead leads director
        directors executive executives president officer chief head senior junior associate assistant
        coordinator specialist analyst engineer engineers developer developers designer designers architect
        consultant consultants advisor intern interns colleague colleagues everyone folks hello regards
        appreciate appreciated grateful glad happy sorry unfortunately hopefully apologies inconvenience
        delay delays delayed urgent asap important critical minor major quick brief short long detailed
        complete completed finished done started starting progress ongoing remaining left extra additional
        several various multiple single separate combined shared common specific general particular
        exactly approximately around roughly almost nearly total overall average maximum minimum estimated
        expected actual previous upcoming recent latest earlier later soon shortly immediately currently
        regarding concerning per via within across between during before after until since while whether
        though although however therefore meanwhile otherwise instead rather perhaps probably likely
        """));

    /// <summary>Words that almost never occur: each is put into about one message in a thousand.</summary>
    public static readonly string[] RareWords = Split("""
        quetzal zeppelin obsidian marzipan heliotrope kumquat tamarind verdigris xylograph quokka
        fennelseed juniperline saffronite cobaltwave ironbark larkspur moonstone nightjar oriole
        pangolin quillwort rosefinch sandpiper tanager whimbrel vireo wagtail yellowhammer zircon
        azurite bergamot chrysoprase damselfly egret falconet gannet hornbill ibisbill jacamar
        kingfisher lapwing merganser nuthatch ocelot peregrine ptarmigan redstart siskin turnstone
        """);

    /// <summary>Set phrases mail is full of; some messages carry one, so phrase queries have real hits.</summary>
    public static readonly string[] Phrases =
    [
        "let me know if you have any questions",
        "please find attached the latest version",
        "as discussed in the meeting",
        "the quarterly budget review is scheduled for next week",
        "thanks in advance for your help",
        "I will follow up with the team",
        "could you please confirm the delivery date",
        "looking forward to hearing from you",
        "we need to update the project plan",
        "the invoice is due at the end of the month",
        "sorry for the late reply",
        "see the notes from the last call below",
    ];

    public static readonly string[] FirstNames = Split("""
        Alice Bob Carol David Emma Frank Grace Henry Isabel Jack Karen Liam Maria Noah Olivia Peter Quinn
        Rachel Samuel Teresa Umar Victoria William Xavier Yasmin Zoe Aaron Bianca Carlos Diana Ethan Fatima
        George Hannah Ivan Julia Kevin Laura Marco Nina Oscar Paula Ravi Sofia Thomas Ursula Vincent Wendy
        Yusuf Anna Benoit Chloe Dmitri Elena Felix Giulia Hugo Ingrid Jonas Keiko Lucas Mei Nadia Pierre
        """);

    public static readonly string[] LastNames = Split("""
        Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson
        Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker
        Young Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips
        Evans Turner Torres Parker Collins Edwards Stewart Morris Nguyen Murphy Rivera Cook Rogers Morgan
        Peterson Cooper Reed Bailey Bell Kim Schmidt Dubois Rossi Novak Tanaka Kowalski Jensen Silva
        """);

    public static readonly string[] Domains = Split("""
        example.com example.org example.net acme-corp.com northwind.example contoso.example fabrikam.example
        globex.example initech.example umbrella.example wayne-enterprises.example stark.example
        tyrell.example cyberdyne.example hooli.example
        """);

    public static readonly string[] Companies = Split("""
        Acme Northwind Contoso Fabrikam Globex Initech Umbrella Wayne Stark Tyrell Cyberdyne Hooli
        """);

    public static readonly string[] AttachmentStems = Split("""
        report invoice contract proposal minutes agenda budget forecast summary specification design
        schedule quote receipt statement presentation roadmap checklist policy handbook
        """);

    // The list is easier to extend with a repeat here and there than to keep free of them by hand.
    private static string[] Distinct(string[] words) => words.Distinct(StringComparer.Ordinal).ToArray();

    private static string[] Split(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
