package dev.chorus.testkit.docs;

import static dev.chorus.testkit.ChorusAssertions.assertThat;
import static dev.chorus.testkit.ChorusAssertions.assertThatThrownBy;

import dev.chorus.EventBus;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.testkit.TestEventBus;
import dev.chorus.testkit.docs.TestingGuideExamplesTest.FlakyInventory;
import dev.chorus.testkit.docs.TestingGuideExamplesTest.OrderService;
import dev.chorus.testkit.docs.TestingGuideExamplesTest.PaymentValidated;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code docs/testing.md} true: each of its Java blocks must be a tagged region (or part
 * of one) of the compiled examples, every tagged region must be shown, and the failure messages
 * it quotes must be the ones the assertions produce. Paths are relative to the testkit module,
 * surefire's working directory.
 */
class TestingGuideTest {

  private static final Path GUIDE = Path.of("..", "docs", "testing.md");
  private static final List<Path> EXAMPLES = List.of(
      Path.of("src", "test", "java", "dev", "chorus", "testkit", "docs", "TestingGuideExamplesTest.java"),
      Path.of("..", "kafka-adapter", "src", "test", "java", "dev", "chorus", "kafka", "TestEventBusOnKafkaTest.java"));

  private static final Pattern BLOCK = Pattern.compile("```(\\w*)\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern TAG = Pattern.compile("^\\s*// (tag|end)::([\\w-]+)\\[\\]\\s*$");

  /** The fenced blocks of a Markdown text in one language, in order. */
  static List<String> blocks(String markdown, String language) {
    List<String> blocks = new ArrayList<>();
    Matcher matcher = BLOCK.matcher(markdown);
    while (matcher.find()) {
      if (matcher.group(1).equals(language)) {
        blocks.add(matcher.group(2));
      }
    }
    return blocks;
  }

  /** The regions between {@code // tag::name[]} and {@code // end::name[]}, by name, markers left out. */
  static Map<String, String> regions(String source) {
    Map<String, StringBuilder> open = new LinkedHashMap<>();
    Map<String, String> regions = new LinkedHashMap<>();
    for (String line : source.split("\n", -1)) {
      Matcher tag = TAG.matcher(line);
      if (tag.matches()) {
        if (tag.group(1).equals("tag")) {
          open.put(tag.group(2), new StringBuilder());
        } else {
          StringBuilder region = open.remove(tag.group(2));
          if (region == null) {
            throw new IllegalArgumentException("end::" + tag.group(2) + "[] without tag::" + tag.group(2) + "[]");
          }
          regions.put(tag.group(2), region.toString());
        }
        continue;
      }
      open.values().forEach(region -> region.append(line).append('\n'));
    }
    if (!open.isEmpty()) {
      throw new IllegalArgumentException("regions never ended: " + open.keySet());
    }
    return regions;
  }

  /** Whether {@code block} appears in {@code region} as whole lines, ignoring each line's indentation. */
  static boolean appearsIn(String block, String region) {
    return ("\n" + normalized(region) + "\n").contains("\n" + normalized(block) + "\n");
  }

  private static String normalized(String code) {
    return code.lines().map(String::strip).reduce((a, b) -> a + "\n" + b).orElse("").strip();
  }

  private static Map<String, String> exampleRegions() throws IOException {
    Map<String, String> regions = new LinkedHashMap<>();
    for (Path example : EXAMPLES) {
      regions.putAll(regions(Files.readString(example)));
    }
    return regions;
  }

  @Test
  void everyJavaBlockOfTheGuideIsPartOfATaggedRegionOfTheCompiledExamples() throws IOException {
    List<String> blocks = blocks(Files.readString(GUIDE), "java");
    Map<String, String> regions = exampleRegions();

    assertThat(blocks).hasSize(12);
    for (String block : blocks) {
      assertThat(regions.values()).as("a tagged example region containing the guide's block%n%s", block)
          .anyMatch(region -> appearsIn(block, region));
    }
  }

  @Test
  void everyTaggedRegionOfTheExamplesIsShownInTheGuide() throws IOException {
    List<String> blocks = blocks(Files.readString(GUIDE), "java");

    exampleRegions().forEach((name, region) -> assertThat(blocks)
        .as("a block of the guide showing the example region '%s'", name)
        .anyMatch(block -> appearsIn(block, region)));
  }

  @Test
  void theFailureMessagesTheGuideQuotesAreTheOnesTheAssertionsProduce() throws IOException {
    List<String> quoted = blocks(Files.readString(GUIDE), "text").stream().map(String::strip).toList();
    assertThat(quoted).hasSize(3);

    try (TestEventBus bus = bus()) {
      new OrderService(bus, new FlakyInventory(Integer.MAX_VALUE)).start();
      bus.publish(new PaymentValidated("p2", "o2", 500));
      assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
      assertThatThrownBy(() -> assertThat(bus).hasNoUnassertedFailures()).hasMessage(quoted.get(0));
      assertThatThrownBy(() -> assertThat(bus).handling("orders", new PaymentValidated("p2", "o2", 500)).isHandled())
          .hasMessage(quoted.get(2));
    }
    try (TestEventBus bus = bus()) {
      new OrderService(bus, new FlakyInventory(2)).start();
      bus.publish(new PaymentValidated("p1", "o1", 1999));
      assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
      assertThatThrownBy(() -> assertThat(bus).deadLetters("orders").hasSize(1)).hasMessage(quoted.get(1));
    }
  }

  private static TestEventBus bus() {
    return TestEventBus.create(EventBus.builder().transport(InMemoryTransport.create()), VirtualClock.autoAdvancing());
  }

  @Test
  void theCheckFindsBlocksAndRegionsAndRejectsCodeThatIsNotThere() {
    String markdown = "text\n```java\nint a = 1;\n  int b = 2;\n```\n```xml\n<x/>\n```\n";
    String source = "class X {\n  // tag::one[]\n  int a = 1;\n    int b = 2;\n  // end::one[]\n  int c = 3;\n}\n";

    assertThat(blocks(markdown, "java")).containsExactly("int a = 1;\n  int b = 2;\n");
    assertThat(regions(source)).containsExactly(Map.entry("one", "  int a = 1;\n    int b = 2;\n"));
    assertThat(appearsIn("int a = 1;\nint b = 2;", regions(source).get("one"))).isTrue();
    assertThat(appearsIn("int b = 2;", regions(source).get("one"))).isTrue();
    assertThat(appearsIn("int c = 3;", regions(source).get("one"))).isFalse();
    assertThat(appearsIn("a = 1;", regions(source).get("one"))).as("part of a line").isFalse();
  }
}
