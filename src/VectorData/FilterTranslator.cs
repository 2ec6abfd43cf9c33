using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using Microsoft.Extensions.VectorData.ProviderServices;
using Microsoft.Extensions.VectorData.ProviderServices.Filter;
using VectorEngine.Filters;

namespace VectorEngine.VectorData;

/// <summary>
/// Translates a LINQ filter over records (<c>r =&gt; r.Country == "NL" &amp;&amp; r.Salary &gt;= 50_000</c>) into the engine's
/// filter: ==, !=, &lt;, &lt;=, &gt;, &gt;= against constants or captured values, &amp;&amp;, ||, !, a bool property on its own,
/// <c>Contains</c> on a list property and on a constant list. Anything else is refused with a NotSupportedException that
/// names it, before any data is touched.
/// </summary>
internal sealed class FilterTranslator : FilterTranslatorBase
{
    private static readonly FilterPreprocessingOptions Preprocessing = new() { SupportsParameterization = false };

    public static Filter Translate(LambdaExpression filter, CollectionModel model)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var translator = new FilterTranslator();
        Expression body = translator.PreprocessFilter(filter, model, Preprocessing);
        Condition condition = translator.Translate(body);
        return condition as Filter ?? new Filter { Must = [condition] };
    }

    private Condition Translate(Expression node) => node switch
    {
        BinaryExpression { NodeType: ExpressionType.Equal } equal => Equality(equal.Left, equal.Right, negated: false),
        BinaryExpression { NodeType: ExpressionType.NotEqual } notEqual => Equality(notEqual.Left, notEqual.Right, negated: true),
        BinaryExpression { NodeType: ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual or ExpressionType.LessThan or ExpressionType.LessThanOrEqual } comparison
            => Comparison(comparison),
        BinaryExpression { NodeType: ExpressionType.AndAlso } and => All(Translate(and.Left), Translate(and.Right)),
        BinaryExpression { NodeType: ExpressionType.OrElse } or => Any(Translate(or.Left), Translate(or.Right)),
        UnaryExpression { NodeType: ExpressionType.Not } not => Not(Translate(not.Operand)),
        // A widening to nullable, as in r => r.Int == nullableInt.
        UnaryExpression { NodeType: ExpressionType.Convert } convert when Nullable.GetUnderlyingType(convert.Type) == convert.Operand.Type
            => Translate(convert.Operand),
        ConstantExpression { Value: bool constant } => constant ? new Filter() : Not(new Filter()),
        MethodCallExpression call when TryMatchContains(call, out Expression? source, out Expression? item) => Contains(source, item),
        MethodCallExpression call => throw new NotSupportedException(
            $"VectorEngine filters do not support calls to {call.Method.DeclaringType?.Name}.{call.Method.Name}; use ==, !=, <, <=, >, >=, &&, ||, ! and Contains."),
        _ when node.Type == typeof(bool) && TryBindProperty(node, out PropertyModel? property) => Condition.Match(property.StorageName, true),
        _ => throw new NotSupportedException(
            $"VectorEngine filters do not support the expression '{node}' ({node.NodeType}); use ==, !=, <, <=, >, >=, &&, ||, ! and Contains."),
    };

    private Condition Equality(Expression left, Expression right, bool negated)
    {
        if (!TryPropertyAndValue(left, right, out PropertyModel? property, out object? value, out _))
        {
            throw new NotSupportedException($"VectorEngine filters compare a record property with a value; '{left} == {right}' is neither.");
        }

        Condition condition = value is null ? NullCheck(property) : EqualTo(property, value);
        return negated ? Not(condition) : condition;
    }

    // Scalars: a missing key and a stored null are both .NET null. Lists: only a stored null is (an empty list is not).
    private static Condition NullCheck(PropertyModel property) =>
        PayloadConversion.ElementType(property.Type) is null ? Condition.IsEmpty(property.StorageName) : Condition.IsNull(property.StorageName);

    private static Condition EqualTo(PropertyModel property, object value)
    {
        if (PayloadConversion.ElementType(property.Type) is not null)
        {
            throw new NotSupportedException($"VectorEngine filters do not compare whole lists ('{property.ModelName}'); use Contains.");
        }

        PayloadValue payload = PayloadConversion.ToPayload(value);
        return payload.Kind switch
        {
            PayloadValueKind.String or PayloadValueKind.Integer or PayloadValueKind.Bool => Condition.Match(property.StorageName, payload),
            PayloadValueKind.Float => Condition.Range(property.StorageName, gte: payload.AsFloat, lte: payload.AsFloat),
            PayloadValueKind.DateTime => Condition.DateTimeRange(property.StorageName, gte: payload.AsDateTime, lte: payload.AsDateTime),
            _ => throw new NotSupportedException($"VectorEngine filters cannot compare '{property.ModelName}' with a {value.GetType().Name}."),
        };
    }

    private Condition Comparison(BinaryExpression comparison)
    {
        if (!TryPropertyAndValue(comparison.Left, comparison.Right, out PropertyModel? property, out object? value, out bool reversed) || value is null)
        {
            throw new NotSupportedException($"VectorEngine filters compare a record property with a non-null value; '{comparison}' is not that.");
        }

        // 5 < r.X is r.X > 5.
        ExpressionType op = !reversed ? comparison.NodeType : comparison.NodeType switch
        {
            ExpressionType.GreaterThan => ExpressionType.LessThan,
            ExpressionType.GreaterThanOrEqual => ExpressionType.LessThanOrEqual,
            ExpressionType.LessThan => ExpressionType.GreaterThan,
            _ => ExpressionType.GreaterThanOrEqual,
        };

        PayloadValue payload = PayloadConversion.ToPayload(value);
        string key = property.StorageName;
        if (payload.Kind == PayloadValueKind.DateTime)
        {
            DateTime at = payload.AsDateTime;
            return op switch
            {
                ExpressionType.GreaterThan => Condition.DateTimeRange(key, gt: at),
                ExpressionType.GreaterThanOrEqual => Condition.DateTimeRange(key, gte: at),
                ExpressionType.LessThan => Condition.DateTimeRange(key, lt: at),
                _ => Condition.DateTimeRange(key, lte: at),
            };
        }

        double number = payload.Kind switch
        {
            PayloadValueKind.Integer => payload.AsInteger,
            PayloadValueKind.Float => payload.AsFloat,
            _ => throw new NotSupportedException($"VectorEngine filters order numbers and date-times; '{property.ModelName}' is compared with a {value.GetType().Name}."),
        };

        return op switch
        {
            ExpressionType.GreaterThan => Condition.Range(key, gt: number),
            ExpressionType.GreaterThanOrEqual => Condition.Range(key, gte: number),
            ExpressionType.LessThan => Condition.Range(key, lt: number),
            _ => Condition.Range(key, lte: number),
        };
    }

    private Condition Contains(Expression source, Expression item)
    {
        // r.Tags.Contains("x"): a stored list holds the value.
        if (TryBindProperty(source, out PropertyModel? listProperty))
        {
            object? wanted = ValueOf(item) ?? throw new NotSupportedException($"Contains on '{listProperty.ModelName}' needs a non-null value.");
            return Condition.Match(listProperty.StorageName, PayloadConversion.ToPayload(wanted));
        }

        // new[] { "a", "b" }.Contains(r.Country): the property is one of the values.
        if (!TryBindProperty(item, out PropertyModel? property))
        {
            throw new NotSupportedException($"Contains needs a list property or a constant list of values; got '{source}.Contains({item})'.");
        }

        var values = new List<PayloadValue>();
        bool withNull = false;
        foreach (object? value in ValueOf(source) as IEnumerable ?? throw new NotSupportedException($"Contains over '{source}' needs a constant list."))
        {
            if (value is null)
            {
                withNull = true;
                continue;
            }

            PayloadValue payload = PayloadConversion.ToPayload(value);
            if (payload.Kind is not (PayloadValueKind.String or PayloadValueKind.Integer or PayloadValueKind.Bool))
            {
                throw new NotSupportedException($"Contains over a constant list takes strings, integers or bools; got {value.GetType().Name}.");
            }

            values.Add(payload);
        }

        Condition anyOf = values.Count == 0 ? Not(new Filter()) : Condition.MatchAny(property.StorageName, [.. values]);
        return withNull ? Any(anyOf, NullCheck(property)) : anyOf;
    }

    private bool TryPropertyAndValue(Expression left, Expression right, [NotNullWhen(true)] out PropertyModel? property, out object? value, out bool reversed)
    {
        reversed = false;
        if (TryBindProperty(left, out property) && !ReferencesRecord(right))
        {
            value = ValueOf(right);
            return true;
        }

        if (TryBindProperty(right, out property) && !ReferencesRecord(left))
        {
            reversed = true;
            value = ValueOf(left);
            return true;
        }

        value = null;
        return false;
    }

    private bool ReferencesRecord(Expression expression) => new RecordReferenceFinder(RecordParameter).Finds(expression);

    // The preprocessor folds captured variables into constants; a value built in place (new DateTime(...)) is evaluated
    // here, once, by the expression interpreter: no code is generated.
    private static object? ValueOf(Expression expression) => expression switch
    {
        ConstantExpression constant => constant.Value,
        UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert when convert.Operand is ConstantExpression c && c.Value is null => null,
        _ => Expression.Lambda<Func<object?>>(Expression.Convert(expression, typeof(object))).Compile(preferInterpretation: true)(),
    };

    private static Condition All(Condition left, Condition right)
    {
        var must = new List<Condition>();
        foreach (Condition c in (ReadOnlySpan<Condition>)[left, right])
        {
            if (c is Filter { Should.Count: 0, MustNot.Count: 0 } conjunction)
            {
                must.AddRange(conjunction.Must);
            }
            else
            {
                must.Add(c);
            }
        }

        return new Filter { Must = must };
    }

    private static Condition Any(Condition left, Condition right)
    {
        var should = new List<Condition>();
        foreach (Condition c in (ReadOnlySpan<Condition>)[left, right])
        {
            if (c is Filter { Must.Count: 0, MustNot.Count: 0, Should.Count: > 0 } disjunction)
            {
                should.AddRange(disjunction.Should);
            }
            else
            {
                should.Add(c);
            }
        }

        return new Filter { Should = should };
    }

    private static Condition Not(Condition condition) =>
        condition is Filter { Must.Count: 0, Should.Count: 0, MustNot.Count: 1 } negation ? negation.MustNot[0] : new Filter { MustNot = [condition] };

    private sealed class RecordReferenceFinder(ParameterExpression record) : ExpressionVisitor
    {
        private bool _found;

        public bool Finds(Expression expression)
        {
            Visit(expression);
            return _found;
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            _found |= node == record;
            return node;
        }
    }
}
